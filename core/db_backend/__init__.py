"""PostgreSQL behind a circuit breaker: fail fast while the database is down."""
