# Checks that the README quotes the pool example verbatim (from its first #include on), so the
# code users copy is code that compiles and runs. -D README=... -D EXAMPLE=...
cmake_minimum_required(VERSION 3.21)
file(READ ${README} readme)
file(READ ${EXAMPLE} example)
string(FIND "${example}" "#include" start)
string(SUBSTRING "${example}" ${start} -1 body)
string(FIND "${readme}" "${body}" found)
if(found EQUAL -1)
    message(FATAL_ERROR "README.md does not quote ${EXAMPLE} verbatim; paste it again")
endif()
