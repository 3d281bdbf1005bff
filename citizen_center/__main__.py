from citizen_center.cli import main

main()
