/* libempty.so: a preloaded library that does nothing, linked as the shim
 * is (code and read-only data in one segment, bound at load).  make
 * bench's preload-floor row: what preloading any library costs a loop
 * (for fork, its mappings copied at every fork and torn down at every
 * exit), the floor under the shim's own no-plan row. */
int fc_bench_empty_data = 1;
int fc_bench_empty_bss;

int fc_bench_empty(void)
{
	return fc_bench_empty_data + fc_bench_empty_bss;
}
