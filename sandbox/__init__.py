"""Isolated execution: the Sandbox interface, the backends, the runner and the image build."""
