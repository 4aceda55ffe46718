# gitcommit.cmake — writes OUT, a header defining P3S_GIT_COMMIT: `git describe` of the source
# tree SRC (the commit, "-dirty" when tracked files differ from it), or "unknown" when SRC is not a
# git checkout (a release tarball, a Debian source build) or git is missing. Run at every build
# (src/CMakeLists.txt), so the commit is never stale; OUT is rewritten only when it changes, so an
# unchanged commit rebuilds nothing.
#   cmake -DSRC=DIR -DOUT=FILE -P gitcommit.cmake
set(commit unknown)
find_program(P3S_GIT git)
if(P3S_GIT AND EXISTS "${SRC}/.git")
  # --exclude='*' ignores tags: always the commit itself, never "TAG-N-gHASH".
  execute_process(COMMAND "${P3S_GIT}" -C "${SRC}" describe --always --dirty --abbrev=12
                          --exclude=*
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE failed ERROR_QUIET)
  if(NOT failed AND described MATCHES "^[0-9a-f]+(-dirty)?$")
    set(commit "${described}")
  endif()
endif()
file(WRITE "${OUT}.new"
  "/* Written by cmake/gitcommit.cmake at build time. */\n#define P3S_GIT_COMMIT \"${commit}\"\n")
configure_file("${OUT}.new" "${OUT}" COPYONLY)
file(REMOVE "${OUT}.new")
