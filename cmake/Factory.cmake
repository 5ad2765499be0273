# factory_test(NAME SOURCES... LIBS lib...): a GoogleTest executable registered
# with CTest. Tests get FACTORY_SOURCE_DIR and FACTORY_SHARED_DIR (../shared,
# which holds the corpus and the example repositories) in their environment.
function(factory_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name}
    PROPERTIES
      ENVIRONMENT "FACTORY_SOURCE_DIR=${CMAKE_SOURCE_DIR};FACTORY_SHARED_DIR=${CMAKE_SOURCE_DIR}/../shared;FACTORY_BINARY=${CMAKE_BINARY_DIR}/factory"
      LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()
