"""The person page's care line (cunshe.residents.related): being built with the profiles part."""
