# AddressSanitizer + UndefinedBehaviorSanitizer for every target of the build (the `asan` preset).
function(ferry_enable_sanitizers)
  set(flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${flags})
  add_link_options(${flags})
endfunction()
