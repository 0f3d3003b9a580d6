"""The public pages that personal links open: no token, the link is the credential."""
