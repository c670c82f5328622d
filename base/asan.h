/*
** asan.h -- RBK_ASAN: 1 when built with AddressSanitizer (gcc's
** __SANITIZE_ADDRESS__ or clang's __has_feature), with its interface
** (ASAN_POISON_MEMORY_REGION and co.) then included; else 0.
*/
#ifndef RBK_ASAN_H
#define RBK_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define RBK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RBK_ASAN 1
#endif
#endif
#ifndef RBK_ASAN
#define RBK_ASAN 0
#endif
#if RBK_ASAN
#include <sanitizer/asan_interface.h>
#endif

#endif
