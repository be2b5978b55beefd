.PHONY: bench bench-small bench-again

# The performance benchmark on PostgreSQL (BENCH_PG_URL); results in bench/out/.
bench:
	bench/run.sh

bench-small:
	bench/run.sh --small

# Measure again on the data the last full run built (after a code change), without rebuilding.
bench-again:
	bench/run.sh --reuse
