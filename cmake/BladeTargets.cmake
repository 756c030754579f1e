# Helpers that keep every engine module, program and test built the same way.

# Precompiled <torch/torch.h>, shared by every target: it saves most of the compile time. GCC only
# accepts a PCH built with the same -fPIC / -fPIE choice; Qt already forces -fPIC on everything
# that links it, so programs compile as PIC too and all targets share the library's PCH.
add_library(blade_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp)
target_link_libraries(blade_pch PUBLIC blade::torch spdlog::spdlog)
target_precompile_headers(blade_pch PUBLIC <torch/torch.h>)

function(blade_use_pch target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  target_precompile_headers(${target} REUSE_FROM blade_pch)
endfunction()

function(blade_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# blade_engine_module(NAME blade_io DEPS blade_core ...): a static library from the *.cpp files of
# the calling folder; its headers are included as "<module>/<file>.h" from engine/.
function(blade_engine_module)
  cmake_parse_arguments(M "" "NAME" "DEPS;SOURCES" ${ARGN})
  if(NOT M_SOURCES)
    file(GLOB M_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  endif()
  add_library(${M_NAME} STATIC ${M_SOURCES})
  target_include_directories(${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/engine)
  target_link_libraries(${M_NAME} PUBLIC blade::torch spdlog::spdlog ${M_DEPS})
  set_target_properties(${M_NAME} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  blade_use_pch(${M_NAME})
  blade_warnings(${M_NAME})
endfunction()
