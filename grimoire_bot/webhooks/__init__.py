"""GitHub webhooks: intake on the web side, the durable queue, and dispatch on the worker side."""
