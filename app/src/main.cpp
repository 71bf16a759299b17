// `ferry`: the one executable; everything it does is in the ferry_app library.
#include "ferry/app/commands.hpp"

int main(int argc, char** argv) {
    return static_cast<int>(ferry::app::run_cli(argc, argv));
}
