"""One harness per channel, built the same way: `await Harness.start(fake, engine, counts, settings, ...)`
(Slack's without await: it runs its own loop), then `stop()`. The real adapter over loopback."""
