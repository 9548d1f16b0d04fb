from syndgen.cli import main

main()
