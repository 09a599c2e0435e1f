"""Rammeaftale: the framework agreement market for specialised social offers."""
