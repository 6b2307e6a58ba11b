from kasumi.cli import main

main()
