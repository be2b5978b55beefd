.PHONY: bench bench-small

# The performance benchmark on PostgreSQL (BENCH_PG_URL); results in bench/out/.
bench:
	bench/run.sh

bench-small:
	bench/run.sh --small
