from laureat.cli import main

main()
