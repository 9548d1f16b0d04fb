"""Templates a plugin adds: the folders beside this module hold DOMAIN/TASK.yaml files."""
