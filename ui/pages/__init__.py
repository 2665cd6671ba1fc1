"""One module per page; each exposes register() that adds its routes to NiceGUI."""
