"""referral-bot: tells medical staff in Japan what to do when a patient may be a victim of sexual
violence, and where to refer them. The engine is pure; channels are thin shells around it."""

__version__ = "0.1.0"
