# The torch wheel ships its own copy of {fmt} (a newer one) in its include folder. spdlog from the
# system needs the system {fmt}, and both cannot be first on the include path. So the torch targets
# are pointed at a copy of the wheel's include folder (symbolic links) that leaves out fmt/.

get_target_property(_blade_torch_cpu_includes torch_cpu INTERFACE_INCLUDE_DIRECTORIES)
list(GET _blade_torch_cpu_includes 0 _blade_torch_include_root)
set(_blade_torch_farm ${CMAKE_BINARY_DIR}/torch-include)
file(MAKE_DIRECTORY ${_blade_torch_farm})
file(GLOB _blade_torch_entries RELATIVE ${_blade_torch_include_root} ${_blade_torch_include_root}/*)
foreach(entry ${_blade_torch_entries})
  if(NOT entry STREQUAL "fmt" AND NOT EXISTS ${_blade_torch_farm}/${entry})
    file(CREATE_LINK ${_blade_torch_include_root}/${entry} ${_blade_torch_farm}/${entry} SYMBOLIC)
  endif()
endforeach()

foreach(target c10 torch_cpu torch_cuda c10_cuda torch torch_library)
  if(TARGET ${target})
    get_target_property(_dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
    if(_dirs)
      list(TRANSFORM _dirs REPLACE "^${_blade_torch_include_root}$" "${_blade_torch_farm}")
      list(TRANSFORM _dirs REPLACE "^${_blade_torch_include_root}/" "${_blade_torch_farm}/")
      set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_dirs}")
    endif()
  endif()
endforeach()
