"""Portals that exist only for the tests: a spider package and its fixtures, nothing else."""
