"""Each command as a library function: a request in, a result out (``run_<name>(request)``).

The command line (:mod:`spatial.cli`) only parses the call into a request, runs it
and prints the result; the work is here, composed of the operations below
(:mod:`spatial.checks`, :mod:`spatial.review`, :mod:`spatial.qc`) and drawn by the
renderers (:mod:`spatial.export`, :mod:`spatial.webmap`, :mod:`spatial.publish`).
"""
