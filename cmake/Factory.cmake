# Paths the tests need (tests/test_paths.h), compiled once per build tree.
get_filename_component(FACTORY_SHARED_DIR ${CMAKE_SOURCE_DIR}/../shared ABSOLUTE)
configure_file(${CMAKE_SOURCE_DIR}/cmake/test_paths.cpp.in ${CMAKE_BINARY_DIR}/test_paths.cpp @ONLY)
if(FACTORY_TESTS)
  add_library(factory_test_paths STATIC ${CMAKE_BINARY_DIR}/test_paths.cpp)
  target_include_directories(factory_test_paths PUBLIC ${CMAKE_SOURCE_DIR}/tests)
endif()

# factory_test(NAME SOURCES... LIBS lib...): a GoogleTest executable registered
# with CTest; it finds the source tree, ../shared and the binary through
# tests/test_paths.h.
function(factory_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} factory_test_paths GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

# factory_binary_tests(PREFIX): every *_test.cpp of the calling folder as a
# black-box test PREFIX_<file> of the `factory` binary and the
# `factory-agent` beside it, which it depends on so that building a test
# builds what it runs.
function(factory_binary_tests prefix)
  find_package(nlohmann_json REQUIRED)
  find_package(CURL REQUIRED)
  file(GLOB test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  foreach(source ${test_sources})
    get_filename_component(name ${source} NAME_WE)
    factory_test(${prefix}_${name} SOURCES ${source} LIBS nlohmann_json::nlohmann_json CURL::libcurl factory_github
                 github_standin)
    add_dependencies(${prefix}_${name} factory factory-agent)
  endforeach()
endfunction()
