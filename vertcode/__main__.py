from vertcode.cli import main

main()
