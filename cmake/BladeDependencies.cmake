# Finds every third-party package the build uses. LibTorch comes from the PyPI torch wheel:
# pass -DCMAKE_PREFIX_PATH=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)').

# The CUDA build of the torch wheel looks for the CUDA toolkit; tell it which GPU to target so that
# it does not try to detect one (the build machine may have none).
if(NOT DEFINED TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "9.0a")
endif()
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90a)
endif()
find_package(Torch 2.11 REQUIRED)
include(BladeTorchIncludes)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)

find_path(SENTENCEPIECE_INCLUDE_DIR sentencepiece_processor.h REQUIRED)
find_library(SENTENCEPIECE_LIBRARY sentencepiece REQUIRED)
add_library(blade::sentencepiece UNKNOWN IMPORTED)
set_target_properties(blade::sentencepiece PROPERTIES
  IMPORTED_LOCATION ${SENTENCEPIECE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${SENTENCEPIECE_INCLUDE_DIR})
# The trainer half (SentencePieceTrainer), used only by the training module to build a tokenizer.
find_library(SENTENCEPIECE_TRAIN_LIBRARY sentencepiece_train REQUIRED)
add_library(blade::sentencepiece_train UNKNOWN IMPORTED)
set_target_properties(blade::sentencepiece_train PROPERTIES
  IMPORTED_LOCATION ${SENTENCEPIECE_TRAIN_LIBRARY}
  INTERFACE_LINK_LIBRARIES blade::sentencepiece)

# Torch's own flags (the C++ ABI switch) must reach every file that includes its headers.
add_library(blade::torch INTERFACE IMPORTED)
target_link_libraries(blade::torch INTERFACE ${TORCH_LIBRARIES} fmt::fmt)
separate_arguments(_blade_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
target_compile_options(blade::torch INTERFACE ${_blade_torch_flags})

set(BLADE_HAVE_CUDA OFF)
if(NOT BLADE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND TARGET torch_cuda)
    set(BLADE_HAVE_CUDA ON)
  elseif(BLADE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "BLADE_CUDA=ON but nvcc (${CMAKE_CUDA_COMPILER}) or a CUDA build of LibTorch is missing")
  endif()
endif()
message(STATUS "BLADE Studio: CUDA kernels ${BLADE_HAVE_CUDA}, engine only ${BLADE_ENGINE_ONLY}")

if(NOT BLADE_ENGINE_ONLY)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Test)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavcodec libavformat libavutil libswscale)
endif()
