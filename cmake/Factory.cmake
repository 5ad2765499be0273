# factory_test(NAME SOURCES... LIBS lib...): a GoogleTest executable registered
# with CTest. tests/test_paths.h gives it the source tree, ../shared (the HCL
# corpus and the example repositories) and the `factory` binary.
function(factory_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  get_filename_component(shared_dir ${CMAKE_SOURCE_DIR}/../shared ABSOLUTE)
  target_compile_definitions(${name} PRIVATE
    FACTORY_TEST_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    FACTORY_TEST_SHARED_DIR="${shared_dir}"
    FACTORY_TEST_BINARY="${CMAKE_BINARY_DIR}/factory")
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
