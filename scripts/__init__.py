"""mailpipe: generate, load and run the email-personalization dbt project."""

__version__ = "0.1.0"
