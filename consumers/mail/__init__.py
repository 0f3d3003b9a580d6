"""Reaching people by email: building, rendering and handing over messages, and the signed
personal links they carry. Every piece here is free of the domain: the mailer worker decides
what to send, to whom and when, and uses these to do it."""
