"""What the tests share: form tokens, desk log-in, factories, servers, ops drills."""
