/* STUB (branch i10-l, for the integrator to drop): the launcher checks a
 * --shim for this exported symbol; weak, so that the shim's own definition
 * replaces it without a clash. */
__attribute__((weak)) const unsigned forkchaos_shim_abi = 1;
