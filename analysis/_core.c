/* analysis._core: the compiled scanning core of the matcher.
 *
 * One pass over a document: paragraphs -> sentences -> tokens (with the clitic/negation expansion and
 * quote dropping of analysis.text.tokenize) -> lexicon matches (the element automaton of
 * analysis.measure.matching) -> voice. It implements exactly the rules of the Python reference path
 * (analysis.text.tokenize, analysis.measure.matching, analysis.measure.voice, analysis.measure.scare_quotes),
 * which stays the definition: tests/measure/test_core_parity.py checks both give identical results.
 *
 * Everything that depends on a token's text alone (its expansion into normalised tokens, its kind,
 * which lexicon entries it can anchor, which globs it matches) is computed once per distinct token by
 * Python callbacks and cached here, so the Python definitions are used for those decisions too.
 *
 * The code is in units under _core_src/, one per part of the Python path it mirrors (each unit's first
 * comment says which Python code it follows and which test catches a divergence). They are compiled as
 * this one translation unit, in the order below (each uses only the units before it), so that the hot
 * helpers are inlined across units without link-time optimisation and every function stays static.
 * _core_src/port.h holds what differs between GCC, clang and MSVC; docs/core.md says how to build it
 * portably (MFA_PORTABLE) and with another compiler.
 *
 * State: everything a call uses lives in its Scanner (a call refuses to start while another one uses
 * the same Scanner's work buffers); the only static data are constant tables and the type object.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_core_src/port.h"
#include "_core_src/common.h"
#include "_core_src/characters.h"
#include "_core_src/token_cache.h"
#include "_core_src/tokenizer.h"
#include "_core_src/sentences.h"
#include "_core_src/voice.h"
#include "_core_src/scare_quotes.h"
#include "_core_src/automaton.h"
#include "_core_src/scan.h"
#include "_core_src/output.h"
#include "_core_src/scanner.h"
#include "_core_src/attribution.h"

static PyMethodDef Scanner_methods[] = {
    {"set_matched_utf8", (PyCFunction)Scanner_set_matched_utf8, METH_O,
     "set_matched_utf8(flag): score_doc(..., None) returns the matched texts as (UTF-8 bytes, int32 byte lengths)"
     " instead of a list of str (a list still when a matched text holds a lone surrogate)"},
    {"set_raw_limit", (PyCFunction)Scanner_set_raw_limit, METH_O,
     "set_raw_limit(n): empty the raw-token cache whenever it holds n tokens (default 2,000,000)"},
    {"intern", (PyCFunction)Scanner_intern, METH_O, "intern(norm) -> id (classified on first sight)"},
    {"norm", (PyCFunction)Scanner_norm, METH_O, "norm(id) -> str"},
    {"set_entries", (PyCFunction)Scanner_set_entries, METH_VARARGS, "set_entries(entries, n_categories)"},
    {"set_scare", (PyCFunction)Scanner_set_scare, METH_VARARGS, "set_scare(entry, max_words, after_reporting)"},
    {"split", (PyCFunction)Scanner_split, METH_O, "split(text) -> [(start, end, paragraph)]"},
    {"tokens", (PyCFunction)Scanner_tokens, METH_VARARGS, "tokens(low, a, b) -> [(start, end, norm)]"},
    {"token_ids", (PyCFunction)Scanner_token_ids, METH_VARARGS,
     "token_ids(low, a, b) -> bytes: the int32 norm ids of tokens(low, a, b)"},
    {"quote_regions", (PyCFunction)Scanner_quote_regions, METH_O, "quote_regions(text) -> [(start, end)]"},
    {"prepare", (PyCFunction)Scanner_prepare, METH_O, "prepare(text) -> (low, has_dq) or None"},
    {"set_vocab", (PyCFunction)Scanner_set_vocab, METH_VARARGS, "set_vocab(...): native classification"},
    {"classify", (PyCFunction)Scanner_classify, METH_O, "classify(norm) -> (flags, anchors, globs)"},
    {"set_output", (PyCFunction)Scanner_set_output, METH_VARARGS, "set_output(entry_info, voices, out_index, top_of)"},
    {"score_doc", (PyCFunction)Scanner_score_doc, METH_VARARGS, "score_doc(text, low, detected, has_dq, head)"},
    {"scan", (PyCFunction)Scanner_scan, METH_VARARGS, "scan(text, low, detected, has_dq) -> counts and matches"},
    {"attributions", (PyCFunction)Scanner_attributions, METH_VARARGS,
     "attributions(model, texts, lows, cut, source_type) -> the attribution records of every text, as columns"},
    {"stats", (PyCFunction)Scanner_stats, METH_NOARGS, "cache sizes"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analysis._core.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
    .tp_doc = "Compiled scanner: sentences, tokens and lexicon matches of a document.",
};

/* char_classes() -> bytes: the class bits (1 \\w, 2 \\d, 4 letter, 8 \\s) of the first 256 code points, for tests */
static PyObject *core_char_classes(PyObject *mod, PyObject *Py_UNUSED(ignored)) {
    return PyBytes_FromStringAndSize((const char *)CLS, 256);
}

static PyMethodDef core_functions[] = {
    {"char_classes", core_char_classes, METH_NOARGS, "char_classes() -> bytes: class bits of code points 0-255"},
    {"take_strings", core_take_strings, METH_VARARGS,
     "take_strings(data, offsets, codes) -> (data, offsets): strings of a table picked by int32 codes, as the "
     "buffers of an Arrow large_string array"},
    {"row_counts", core_row_counts, METH_VARARGS,
     "row_counts(draws, n_bins, out): multiplicities of each row of int64 resample indices into the float64 "
     "buffer out (output.h)"},
    {"csv_rows", core_csv_rows, METH_VARARGS,
     "csv_rows(n_rows, columns, escape[, into]) -> bytes (or the length written into the bytearray into): the CSV rows of a table of text, integer and bool columns "
     "(attribution.h)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef coremodule = {
    PyModuleDef_HEAD_INIT, "_core", "Compiled scanning core of analysis.measure.matching.", -1, core_functions,
};

PyMODINIT_FUNC PyInit__core(void) {
    if (check_classes() < 0) return NULL;
    if (PyType_Ready(&ScannerType) < 0 || PyType_Ready(&CueModelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&coremodule);
    if (!m) return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&CueModelType);
    if (PyModule_AddObject(m, "CueModel", (PyObject *)&CueModelType) < 0) {
        Py_DECREF(&CueModelType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "F_WORD", F_WORD) || PyModule_AddIntConstant(m, "F_ANY", F_ANY) ||
        PyModule_AddIntConstant(m, "F_NUM", F_NUM) || PyModule_AddIntConstant(m, "F_WORDKIND", F_WORDKIND) ||
        PyModule_AddIntConstant(m, "F_CUE", F_CUE) || PyModule_AddIntConstant(m, "K_LIT", K_LIT) ||
        PyModule_AddIntConstant(m, "K_ANY", K_ANY) || PyModule_AddIntConstant(m, "K_NUM", K_NUM) ||
        PyModule_AddIntConstant(m, "K_WORD", K_WORD) || PyModule_AddIntConstant(m, "K_CAP", K_CAP) ||
        PyModule_AddIntConstant(m, "MAX_SPAN", MAX_SPAN) || PyModule_AddStringConstant(m, "SIMD", MFA_SIMD) ||
        PyModule_AddStringConstant(m, "COMPILER", MFA_COMPILER)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
