# Turns a data file into a C array (cmake -DIN=file -DOUT=file.c -DNAME=sym
# -P embed.cmake), so the built-in rule set ships inside the binary while
# staying an ordinary JSON file in data/rules/ that people read and edit.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake; do not edit. */\n#include <stddef.h>\n"
  "const unsigned char ${NAME}[] = {\n${body}0x00};\nconst size_t ${NAME}_len = ${bytes};\n")
