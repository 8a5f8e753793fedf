"""Background and periodic jobs of the service desk (imported by `cunshe.servicedesk.tasks`)."""
