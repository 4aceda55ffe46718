# uninstall.cmake — removes every file the last `make install` / `cmake --install` put in place,
# as listed in the build directory's install_manifest.txt, then the directories of pop3scan's own
# that this leaves empty (share/doc/pop3scan). Directories shared with other programs (bin, man1,
# the completion directories) stay. The manifest holds paths without DESTDIR: give uninstall the
# DESTDIR (environment) that install had.
#   [DESTDIR=DIR] cmake -DMANIFEST=BUILD/install_manifest.txt -P uninstall.cmake
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "uninstall: no ${MANIFEST}: nothing was installed from this build directory")
endif()
file(STRINGS "${MANIFEST}" files)
set(removed 0)
set(dirs)
foreach(f IN LISTS files)
  set(f "$ENV{DESTDIR}${f}")
  if(EXISTS "${f}" OR IS_SYMLINK "${f}")
    file(REMOVE "${f}")
    math(EXPR removed "${removed} + 1")
    message(STATUS "Removed: ${f}")
  else()
    message(STATUS "Already gone: ${f}")
  endif()
  get_filename_component(d "${f}" DIRECTORY)
  get_filename_component(name "${d}" NAME)
  if(name STREQUAL "pop3scan")
    list(APPEND dirs "${d}")
  endif()
endforeach()
list(REMOVE_DUPLICATES dirs)
foreach(d IN LISTS dirs)
  file(GLOB left "${d}/*")
  if(IS_DIRECTORY "${d}" AND NOT left)
    file(REMOVE "${d}")
    file(REMOVE_RECURSE "${d}") # empty: REMOVE does not take directories
  endif()
endforeach()
message(STATUS "uninstall: removed ${removed} files listed in ${MANIFEST}")
