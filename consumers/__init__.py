"""Event transport (Kafka, or in-process) and the workers it feeds: relay, automation, ATS
sync, scheduler. Handlers are the same whichever transport delivers the events."""
