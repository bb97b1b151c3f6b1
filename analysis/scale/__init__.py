"""Scale: streaming (chunked reading and writing, resume), several processes, and Dask clusters."""
