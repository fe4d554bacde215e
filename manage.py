#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.dev")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Load the settings before Django's command runner does: it swallows an
    # ImproperlyConfigured raised while importing them and carries on, and the
    # command then fails with an unrelated error (often "Apps aren't loaded
    # yet"). A refused environment must say what to set, for every command.
    try:
        settings.INSTALLED_APPS  # noqa: B018 (the access imports the module)
    except ImproperlyConfigured as error:
        sys.exit(f"Refusing to start ({os.environ['DJANGO_SETTINGS_MODULE']}): {error}")
    execute_from_command_line(sys.argv)
