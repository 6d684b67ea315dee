"""Rule modules. Importing a module registers its rules and checkers."""
