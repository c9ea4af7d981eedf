// Compile-time switches: turn a runtime value into a constexpr template argument once, in one
// place, instead of copy-pasting launch code per case (the idea of FlashAttention's
// static_switch.h). Usage:
//   BOOL_SWITCH(has_bias, kHasBias, [&] { launch<kHasBias>(...); });
// Each macro evaluates to the lambda's return value.
// Thread-safety: compile-time only.
#pragma once

#define BOOL_SWITCH(COND, NAME, ...)       \
  [&] {                                    \
    if (COND) {                            \
      constexpr static bool NAME = true;   \
      return __VA_ARGS__();                \
    } else {                               \
      constexpr static bool NAME = false;  \
      return __VA_ARGS__();                \
    }                                      \
  }()

// Experts per lane of a warp (one token per warp): the smallest power of two covering
// num_experts / 32, up to 32 (1024 experts).
#define ITEMS_PER_LANE_SWITCH(NUM_EXPERTS, NAME, ...)        \
  [&] {                                                     \
    if ((NUM_EXPERTS) <= 32) {                              \
      constexpr static int NAME = 1;                        \
      return __VA_ARGS__();                                 \
    } else if ((NUM_EXPERTS) <= 64) {                       \
      constexpr static int NAME = 2;                        \
      return __VA_ARGS__();                                 \
    } else if ((NUM_EXPERTS) <= 128) {                      \
      constexpr static int NAME = 4;                        \
      return __VA_ARGS__();                                 \
    } else if ((NUM_EXPERTS) <= 256) {                      \
      constexpr static int NAME = 8;                        \
      return __VA_ARGS__();                                 \
    } else if ((NUM_EXPERTS) <= 512) {                      \
      constexpr static int NAME = 16;                       \
      return __VA_ARGS__();                                 \
    } else {                                                \
      constexpr static int NAME = 32;                       \
      return __VA_ARGS__();                                 \
    }                                                       \
  }()

// Bytes per vector access for row copies: the widest of 16 / 8 / 4 / 2 / 1 that the caller
// has found to divide the row size and every base pointer.
#define VEC_BYTES_SWITCH(BYTES, NAME, ...)   \
  [&] {                                      \
    if ((BYTES) == 16) {                     \
      constexpr static int NAME = 16;        \
      return __VA_ARGS__();                  \
    } else if ((BYTES) == 8) {               \
      constexpr static int NAME = 8;         \
      return __VA_ARGS__();                  \
    } else if ((BYTES) == 4) {               \
      constexpr static int NAME = 4;         \
      return __VA_ARGS__();                  \
    } else if ((BYTES) == 2) {               \
      constexpr static int NAME = 2;         \
      return __VA_ARGS__();                  \
    } else {                                 \
      constexpr static int NAME = 1;         \
      return __VA_ARGS__();                  \
    }                                        \
  }()
