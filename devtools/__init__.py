"""Developer tools kept out of the app package: demo data (`flask seed-demo`) and bench data (`flask generate`)."""
