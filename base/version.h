/*
** version.h -- rbk's version, printed by rbk --version and written into
** run journals and the documents rbk makes (plan, report).
*/
#ifndef RBK_VERSION_H
#define RBK_VERSION_H

#define RBK_VERSION "0.1.0"

#endif
