# Shared compile settings and helpers for project targets.

set(LAMINAR_WARNINGS -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wimplicit-fallthrough)
if(LAMINAR_WERROR)
  list(APPEND LAMINAR_WARNINGS -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false positives for `"literal" + std::string` at -O2/-O3 (GCC bug 105329).
  list(APPEND LAMINAR_WARNINGS -Wno-restrict -Wno-maybe-uninitialized)
endif()
if(LAMINAR_BUILD_FUZZ)
  # Coverage feedback for every library the fuzz targets link, not only the target itself.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

set(LAMINAR_SANITIZE_FLAGS "")
if(LAMINAR_SANITIZE)
  string(REPLACE ";" "," _san "${LAMINAR_SANITIZE}")
  set(LAMINAR_SANITIZE_FLAGS -fsanitize=${_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${LAMINAR_SANITIZE_FLAGS})
  add_link_options(${LAMINAR_SANITIZE_FLAGS})
endif()

# laminar_library(NAME SOURCES ... DEPS ...): one CMake library per source folder.
function(laminar_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${name} PRIVATE ${LAMINAR_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# laminar_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with CTest.
function(laminar_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT LAMINAR_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${LAMINAR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
endfunction()

# laminar_bench(NAME SOURCES ... DEPS ...): a Google Benchmark binary (not part of ctest).
function(laminar_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${LAMINAR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
endfunction()

# laminar_fuzz(NAME SOURCES ... DEPS ...): a libFuzzer target. In the `fuzz` preset it links
# libFuzzer; in every other build it links a replay driver and runs over
# test/fuzz/corpus/NAME as a CTest regression test.
function(laminar_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(LAMINAR_BUILD_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  elseif(LAMINAR_BUILD_TESTS)
    add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/test/fuzz/replay_main.cc)
    add_test(NAME ${name}_corpus COMMAND ${name} ${PROJECT_SOURCE_DIR}/test/fuzz/corpus/${name})
  else()
    return()
  endif()
  target_compile_options(${name} PRIVATE ${LAMINAR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
