from meshportal_cli.app import main

main()
