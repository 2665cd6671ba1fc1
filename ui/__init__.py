"""NiceGUI pages and components; app_setup.register() wires them (and the api/ routers) into NiceGUI's app."""
