# Writes a C++ file defining `odec::kPreludeText` with the contents of IN.
file(READ "${IN}" text)
set(delim "odec_prelude_")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN}; do not edit.\n"
  "namespace odec { extern const char *const kPreludeText; }\n"
  "const char *const odec::kPreludeText = R\"${delim}(${text})${delim}\";\n")
file(RENAME "${OUT}.tmp" "${OUT}")
