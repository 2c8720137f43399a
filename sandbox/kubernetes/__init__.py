"""The Kubernetes backend: agent-sandbox claims from a warm pool, or bare pods, each reached over
one long-lived exec stream that carries the runner protocol (see docs/SCALING.md)."""
