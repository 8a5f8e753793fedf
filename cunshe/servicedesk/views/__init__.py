"""Pages of the service desk, one module per part; each module's `urlpatterns` is collected in
`cunshe.servicedesk.urls`."""
