"""Example handlers: copy one to start your own."""
