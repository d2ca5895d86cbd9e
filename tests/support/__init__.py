"""What the tests share: settings, the one app, the database modes, an API client, sockets and
factories. Test modules import from here, never from a conftest."""
