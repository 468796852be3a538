BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'New-MemoryMapping -HugePages, -Address and character devices' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'refuses -HugePages when too few are free, naming HugePages_Total, with the session alive' {
        $free = [long]((Get-Content /proc/meminfo | Where-Object { $_ -like 'HugePages_Free:*' }) -split '\s+')[1]
        $size = 1KB * [long]((Get-Content /proc/meminfo | Where-Object { $_ -like 'Hugepagesize:*' }) -split '\s+')[1]
        New-MemoryMapping -Anonymous -Length (($free + 1) * $size) -HugePages -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.NewMemoryMappingCommand'
        $failure[0].ToString() | Should -BeLike '*HugePages_Total*'
        Get-MemoryMapping | Should -BeNullOrEmpty
    }

    It 'places a mapping at a free -Address exactly' {
        # The middle of a wide gap in this process's map: nothing the runtime allocates meanwhile lands there.
        $regions = @(Get-ProcessMemoryMap)
        $gap = 1..($regions.Count - 1) | Where-Object { $regions[$_].Start - $regions[$_ - 1].End -ge 1GB } | Select-Object -First 1
        $middle = $regions[$gap - 1].End + ($regions[$gap].Start - $regions[$gap - 1].End) / 2
        $address = [IntPtr][long]($middle - $middle % $Page)
        $m = New-MemoryMapping -Anonymous -Length (2 * $Page) -Address $address
        $m.Address | Should -Be $address
        (Get-ProcessMemoryMap | Where-Object MappingId -eq $m.Id).Start | Should -Be ([uint64]$address.ToInt64())
    }

    It 'refuses an occupied -Address with EEXIST and leaves the mapping there intact' {
        $path = Join-Path $TestDrive 'occupied.bin'
        $content = New-PatternFile -Path $path -Length (2 * $Page)
        $existing = New-MemoryMapping $path
        New-MemoryMapping -Anonymous -Length $Page -Address $existing.Address -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'mmap.EEXIST,MemMap.Commands.NewMemoryMappingCommand'
        (Get-MappedByte $existing -Count (2 * $Page)) | Should -Be $content
        Get-MapsPermission $existing | Should -Be 'rw-s'
        (Get-MemoryMapping).Id | Should -Be $existing.Id
    }

    It 'maps /dev/zero with -Length, as the seeds do, and refuses it without' {
        $zero = New-MemoryMapping /dev/zero -Length (2 * $Page)
        $zero.Kind | Should -Be 'SharedFile'
        (Get-MappedByte $zero -Count 16) | Should -Be ([byte[]]::new(16))
        Set-MappedByte $zero -Offset $Page -String 'hi'
        Get-MappedByte $zero -Offset $Page -Count 2 -AsString | Should -Be 'hi'

        New-MemoryMapping /dev/zero -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
        $failure[0].ToString() | Should -BeLike '*character device*give a -Length*'
    }

    It 'refuses a device the kernel cannot map with a clean ENODEV error' {
        New-MemoryMapping /dev/null -Length $Page -ErrorAction SilentlyContinue -ErrorVariable failure | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -Be 'mmap.ENODEV,MemMap.Commands.NewMemoryMappingCommand'
        Get-MemoryMapping | Should -BeNullOrEmpty
    }
}
