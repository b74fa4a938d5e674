"""Forms of the study domain, one module per area. They validate input; the services
do the writing."""
