//! End-to-end tests live in `tests/tests/`; the writer process they kill is in `src/bin/`.
